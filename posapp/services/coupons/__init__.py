"""Coupons: campaigns, bulk codes, redemption at the till and effectiveness reports."""
