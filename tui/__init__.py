"""The faces of Parley: the `parley` command line and the chat."""
