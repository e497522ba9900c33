// PaperboyCLI: the `paperboy` command line, one file per subcommand
// (PaperboyCommand lists them), with the options they share
// (CommonOptions). PaperboyCommand.main is the one place a command's error
// becomes the process exit, through PaperboyPipeline's ExitStatus mapping.
//
// Commands call PaperboyPipeline and PaperboyStore; only RunCommand imports
// PaperboyDaemon. Standard output stays machine-readable; notes and errors
// go to standard error prefixed `paperboy: `.
