"""A small web shop monolith, written as an example for cleave's SCIP input."""
