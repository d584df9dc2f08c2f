package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// checkCommand returns the "check" command. PLACEHOLDER: being implemented.
func checkCommand() *cli.Command {
	return &cli.Command{
		Name:   "check",
		Usage:  "(not yet implemented)",
		Action: func(c *cli.Context) error { return errors.New("check: not implemented yet") },
	}
}
