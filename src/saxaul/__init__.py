"""Saxaul: personal carbon accounts in the style of Ant Forest (蚂蚁森林)."""

__version__ = "0.1.0"
