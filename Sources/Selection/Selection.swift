// Selection: scores, strategies and the greedy combiner, on arrays only.
