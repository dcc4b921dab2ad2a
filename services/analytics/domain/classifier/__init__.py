"""The cause classifier: negation-aware rules combined with a scikit-learn model (pure)."""
