package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func init() {
	cmd := &cobra.Command{
		Use:   "man DIR",
		Short: "Write the manual pages of discstage and its commands to DIR",
		Long: `man writes discstage.1 and one page per command (discstage-commit.1, ...) to DIR,
made from the commands' own help, for man(1): for example
discstage man /usr/local/share/man/man1.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return fmt.Errorf("man: %w", err)
			}
			n, err := writeManPages(rootCmd, args[0], time.Now())
			if err != nil {
				return fmt.Errorf("man: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d manual pages to %s\n", n, args[0])
			return nil
		},
	}
	rootCmd.AddCommand(cmd)
}

// writeManPages writes the page of cmd and of every command beneath it
// to dir and returns how many it wrote.
func writeManPages(cmd *cobra.Command, dir string, date time.Time) (int, error) {
	n := 0
	if !cmd.Hidden {
		name := strings.ReplaceAll(cmd.CommandPath(), " ", "-") + ".1"
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return n, err
		}
		writeManPage(f, cmd, date)
		if err := f.Close(); err != nil {
			return n, err
		}
		n++
	}
	for _, sub := range cmd.Commands() {
		if !sub.IsAvailableCommand() {
			continue
		}
		k, err := writeManPages(sub, dir, date)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// roff escapes text for a man page.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, ".") || strings.HasPrefix(line, "'") {
			line = `\&` + line
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// writeManPage writes one command's page.
func writeManPage(w io.Writer, cmd *cobra.Command, date time.Time) {
	title := strings.ToUpper(strings.ReplaceAll(cmd.CommandPath(), " ", "-"))
	fmt.Fprintf(w, ".TH %q 1 %q discstage \"discstage manual\"\n", title, date.Format("2006-01-02"))
	fmt.Fprintf(w, ".SH NAME\n%s \\- %s\n", roff(strings.ReplaceAll(cmd.CommandPath(), " ", "-")), roff(cmd.Short))
	fmt.Fprintf(w, ".SH SYNOPSIS\n.B %s\n", roff(cmd.UseLine()))
	desc := cmd.Long
	if desc == "" {
		desc = cmd.Short
	}
	fmt.Fprintf(w, ".SH DESCRIPTION\n%s\n", roff(desc))
	var flags []*pflag.Flag
	cmd.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			flags = append(flags, f)
		}
	})
	if len(flags) > 0 {
		fmt.Fprintln(w, ".SH OPTIONS")
		for _, f := range flags {
			name := "\\-\\-" + roff(f.Name)
			if f.Shorthand != "" {
				name = "\\-" + f.Shorthand + ", " + name
			}
			if f.Value.Type() != "bool" {
				name += " " + roff(f.Value.Type())
			}
			fmt.Fprintf(w, ".TP\n.B %s\n%s", name, roff(f.Usage))
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "[]" && !strings.Contains(f.Usage, "default") {
				fmt.Fprintf(w, " (default: %s)", roff(f.DefValue))
			}
			fmt.Fprintln(w)
		}
	}
	if cmd.HasAvailableSubCommands() {
		fmt.Fprintln(w, ".SH COMMANDS")
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() {
				fmt.Fprintf(w, ".TP\n.BR %s (1)\n%s\n", roff(strings.ReplaceAll(sub.CommandPath(), " ", "-")), roff(sub.Short))
			}
		}
	}
	if cmd.HasParent() {
		fmt.Fprintf(w, ".SH SEE ALSO\n.BR %s (1)\n", roff(strings.ReplaceAll(cmd.Parent().CommandPath(), " ", "-")))
	} else {
		fmt.Fprintln(w, ".SH EXIT STATUS\n0 ok, 1 other (among them a mount or commit over another disc than the one the changes were staged on, a staging area or lock folder others can write, a link another user planted in a sticky folder), 2 usage, 3 no such target (or its file replaced or removed since it was opened), 4 not ISO 9660, 5 does not fit, 6 a source changed while read, 7 a name or file a disc cannot hold, 8 medium closed, 9 verification failed, 10 path not found, 11 busy, 12 drive or medium error (a damaged or truncated medium too), 13 session has no checksums, 130 stopped by Ctrl\\-C.")
	}
}
