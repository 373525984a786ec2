"""Carts, checkout, payments, fulfilment and the shopper's account area."""
