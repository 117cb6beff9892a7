"""The pilot scenario: a synthetic population and its behaviour events, from one seed."""
