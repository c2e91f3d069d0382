"""The Coupons tab: campaigns, codes, redemptions and reports."""
