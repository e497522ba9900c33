// PaperboyCLI: the `paperboy` command line, one file per subcommand
// (PaperboyCommand lists them), with the options they share
// (CommonOptions) and the mapping of failures to exit codes.
//
// Commands call PaperboyPipeline and PaperboyStore; only RunCommand imports
// PaperboyDaemon. Standard output stays machine-readable; notes and errors
// go to standard error prefixed `paperboy: `.
