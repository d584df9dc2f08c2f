package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// demoCommand returns the "demo" command. PLACEHOLDER: being implemented.
func demoCommand() *cli.Command {
	return &cli.Command{
		Name:   "demo",
		Usage:  "(not yet implemented)",
		Action: func(c *cli.Context) error { return errors.New("demo: not implemented yet") },
	}
}
