"""Papers → answer: the decisions (policy), evidence, prompts, generation, citation checks."""
