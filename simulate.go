package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// simulateCommand returns the "simulate" command. PLACEHOLDER: being implemented.
func simulateCommand() *cli.Command {
	return &cli.Command{
		Name:   "simulate",
		Usage:  "(not yet implemented)",
		Action: func(c *cli.Context) error { return errors.New("simulate: not implemented yet") },
	}
}
