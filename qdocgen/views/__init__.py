"""What the query commands print (check, targets, progress, missing, render --list-vars): each view takes
the workspace and the options already parsed and returns the text, ending in a newline, that the command
prints as it is; what is worth a look but not refused goes to the workspace's warnings."""
