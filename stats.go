package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// statsCommand returns the "stats" command. PLACEHOLDER: being implemented.
func statsCommand() *cli.Command {
	return &cli.Command{
		Name:   "stats",
		Usage:  "(not yet implemented)",
		Action: func(c *cli.Context) error { return errors.New("stats: not implemented yet") },
	}
}
