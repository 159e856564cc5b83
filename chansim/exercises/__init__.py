"""Training exercises: the bilingual message catalogue, the feedback engine and scores.

Everything here works from result tables and plain Python: no widgets, no plots, so it
can be tested headless and reused by the Voilà exercises. Import the submodules
directly (:mod:`chansim.exercises.messages`, :mod:`chansim.exercises.feedback`); this
package imports nothing on its own.
"""
