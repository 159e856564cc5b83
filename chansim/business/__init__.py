"""The channel business layer: sales funnel, partner programmes and the money around them."""
