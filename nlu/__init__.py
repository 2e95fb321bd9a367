"""Một Cửa: Vietnamese text handling and Rasa components."""
