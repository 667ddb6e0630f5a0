"""Analysis of results and of models: metrics, the comparison, ensembles, sensitivity, discovery,
knockout; model checks (equilibrium, reality checks) and loop dominance."""
