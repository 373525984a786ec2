"""The shared catalog and the shopper's browsing pages."""
