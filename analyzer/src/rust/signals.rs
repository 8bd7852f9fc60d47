//! Labelling signals read from syntax: entry points, state, data resources and duration hints.
