package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// reportCommand returns the "report" command. PLACEHOLDER: being implemented.
func reportCommand() *cli.Command {
	return &cli.Command{
		Name:   "report",
		Usage:  "(not yet implemented)",
		Action: func(c *cli.Context) error { return errors.New("report: not implemented yet") },
	}
}
