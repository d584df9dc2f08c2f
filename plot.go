package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// plotCommand returns the "plot" command. PLACEHOLDER: being implemented.
func plotCommand() *cli.Command {
	return &cli.Command{
		Name:   "plot",
		Usage:  "(not yet implemented)",
		Action: func(c *cli.Context) error { return errors.New("plot: not implemented yet") },
	}
}
