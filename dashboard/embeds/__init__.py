"""Embeddable charts for other sites: the embed page (framable, cookie-free) and oEmbed."""
