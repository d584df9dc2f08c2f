package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// analyzeCommand returns the "analyze" command. PLACEHOLDER: being implemented.
func analyzeCommand() *cli.Command {
	return &cli.Command{
		Name:   "analyze",
		Usage:  "(not yet implemented)",
		Action: func(c *cli.Context) error { return errors.New("analyze: not implemented yet") },
	}
}
