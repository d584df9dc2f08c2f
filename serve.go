package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// serveCommand returns the "serve" command. PLACEHOLDER: being implemented.
func serveCommand() *cli.Command {
	return &cli.Command{
		Name:   "serve",
		Usage:  "(not yet implemented)",
		Hidden: true,
		Action: func(c *cli.Context) error { return errors.New("serve: not implemented yet") },
	}
}
