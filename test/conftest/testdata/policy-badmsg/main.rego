package main

# An object result must carry a string "msg"; conftest fails the run otherwise.
deny contains {"message": "no msg key"} if input.kind == "Deployment"
