// HTML and PDF reports of selection runs, with plots drawn through cairo.
