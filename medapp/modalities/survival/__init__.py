"""Time-to-event models: survival curves, event probabilities by horizon, and exact SHAP of the risk."""
