package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// tuneCommand returns the "tune" command. PLACEHOLDER: being implemented.
func tuneCommand() *cli.Command {
	return &cli.Command{
		Name:   "tune",
		Usage:  "(not yet implemented)",
		Action: func(c *cli.Context) error { return errors.New("tune: not implemented yet") },
	}
}
