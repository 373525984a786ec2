"""Sellers, their listings, the buy box, the seller back office and the seller API."""
