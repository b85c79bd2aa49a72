"""The model of an instance: its data, the Pyomo statement, the numpy assembly and the objective."""
