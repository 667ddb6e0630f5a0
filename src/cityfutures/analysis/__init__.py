"""Analysis of results: metrics, the comparison, ensembles, sensitivity, discovery."""
