"""The Orders tab: the register, the order list with an order's detail, the till."""
