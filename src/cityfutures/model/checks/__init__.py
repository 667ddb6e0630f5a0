"""Static checks of a Vensim model: what a reviewer would flag before a workshop does, without running it.

``findings.py`` holds the rules, their severities and the report (one line per finding,
``MODEL.mdl:LINE: Variable: problem``), and the silences a sidecar may grant; ``units.py`` the
dimensional analysis of every equation (pint, with Vensim's conventions); ``lint.py`` the structure
rules (dead ends, unused or unsourced constants, short time constants, divisions that can reach
zero, algebraic loops, literals). All of them read the shared parse of the file
(:mod:`cityfutures.model.parse`), its element graph (:mod:`cityfutures.model.structure`) and its
lines (:mod:`cityfutures.model.source`). Checks that run the model live in
:mod:`cityfutures.analysis` (equilibrium, reality checks; ``cf.check`` runs them all).

This package's ``__init__`` imports nothing, so the sidecar's schema can read the rules without
loading PySD or pint.
"""
