print("ropescope: under construction")
