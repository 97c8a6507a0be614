"""Reported figures: periods, the CSV store, the district forms and collecting them."""
