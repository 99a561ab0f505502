package main

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
)

func init() {
	var (
		tf     targetFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "sessions TARGET",
		Short: "List the sessions of a disc or image",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tf.readOnly = true
			t, err := openTarget(args[0], tf)
			if err != nil {
				return err
			}
			defer t.Close()
			m, err := t.Probe()
			if err != nil {
				return err
			}
			warnChain(cmd.ErrOrStderr(), t, m)
			return printSessions(cmd.OutOrStdout(), m, sessionFormats(t, m), asJSON)
		},
	}
	tf.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	rootCmd.AddCommand(cmd)
}

// sessionFormats tells the file systems of each readable session of m
// (by session number); a session that holds neither ISO 9660 nor UDF
// has none.
// On a grown medium (an image, a rewritable disc) UDF readers take the
// UDF volume the anchor at sector 256 leads to, whichever session it
// is: when the newest session has none of its own (another program wrote
// it) but that anchor leads to one, the newest session's formats name
// that earlier session's UDF (Formats.UDFEarlier).
func sessionFormats(r io.ReaderAt, m writer.Medium) map[int]master.Formats {
	out := map[int]master.Formats{}
	for _, s := range m.Sessions {
		if s.Incomplete {
			continue
		}
		if f, err := master.SessionFormats(r, m.Readable, s.Start); err == nil {
			out[s.Number] = f
		}
	}
	if n := len(m.Sessions); m.Grown && n > 0 && m.Sessions[n-1].Start != 0 {
		num := m.Sessions[n-1].Number
		if f, ok := out[num]; ok && f.UDF == 0 {
			if at0, err := master.SessionFormats(r, m.Readable, 0); err == nil && at0.UDF != 0 && master.UDFRecognized(r, m.Readable, 0) {
				f.UDF, f.UDFEarlier = at0.UDF, true
				out[num] = f
			}
		}
	}
	return out
}

func printSessions(w io.Writer, m writer.Medium, formats map[int]master.Formats, asJSON bool) error {
	if asJSON {
		out := newMediumJSON(m)
		out.Format = jsonFormat
		for i := range out.Sessions {
			if f, ok := formats[out.Sessions[i].Number]; ok {
				out.Sessions[i].Formats = newFormatsJSON(f)
			}
		}
		return printJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "session\tstart LBA\tsectors\tsize\t volume id\t time\t tree\t")
	for _, s := range m.Sessions {
		t := ""
		if !s.Time.IsZero() {
			t = s.Time.Local().Format("2006-01-02 15:04:05")
		}
		id := s.VolumeID
		if s.Incomplete {
			id = "(incomplete: an interrupted burn)"
		}
		f := ""
		if fm, ok := formats[s.Number]; ok {
			f = fm.String()
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t %s\t %s\t %s\t\n", s.Number, s.Start, s.Size, humanize.IBytes(uint64(s.Size)*tree.SectorSize), id, t, f)
	}
	tw.Flush()
	free := "unbounded"
	if f := m.Free(); f >= 0 {
		free = humanize.IBytes(uint64(f) * tree.SectorSize)
	}
	fmt.Fprintf(w, "%s, %s, next writable LBA %d, free %s\n", m.Profile, m.State, m.NextWritable, free)
	if m.Interrupted != nil {
		fmt.Fprintf(w, "note: %s\n", m.Interrupted)
	}
	if n := len(m.Sessions); n > 0 && formats[m.Sessions[n-1].Number].UDFEarlier {
		fmt.Fprintf(w, "note: session %d was written without UDF (by another program), and UDF readers (Windows, macOS, players) show an earlier session's files until a discstage commit or append writes UDF again\n", m.Sessions[n-1].Number)
	}
	return nil
}

// sessionFlag selects a session: 0 means the newest.
type sessionFlag struct{ n int }

func (s *sessionFlag) register(cmd *cobra.Command) {
	cmd.Flags().Var(s, "session", "session number, from 1 (default: the newest)")
}

// String, Set and Type make sessionFlag a flag value that takes only
// session numbers: 0 or a negative number is a mistake in the command
// line, not a way to name the newest session.
func (s *sessionFlag) String() string {
	if s.n == 0 {
		return ""
	}
	return strconv.Itoa(s.n)
}

func (s *sessionFlag) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return fmt.Errorf("session %q: sessions are numbered from 1", v)
	}
	s.n = n
	return nil
}

func (s *sessionFlag) Type() string { return "N" }

// warnChain says on w, when the chain of session heads of the grown
// medium m read through r is broken, where (master.CheckChain): the
// sessions from the break on but the newest are not listed.
func warnChain(w io.Writer, r io.ReaderAt, m writer.Medium) {
	if !m.Grown {
		return
	}
	if err := master.CheckChain(r, m.Readable); err != nil {
		fmt.Fprintf(w, "warning: %v\n", err)
	}
}

// open opens the selected session of the target; a broken chain of
// session heads is warned about on warn.
func (s sessionFlag) open(warn io.Writer, spec string, tf targetFlags) (writer.Target, *master.Session, error) {
	tf.readOnly = true
	t, err := openTarget(spec, tf)
	if err != nil {
		return nil, nil, err
	}
	if m, err := writer.List(t); err == nil {
		warnChain(warn, t, m)
	}
	var sess *master.Session
	if s.n == 0 {
		sess, err = burn.Newest(t)
		if err == nil && sess == nil {
			err = fmt.Errorf("%s: the medium is blank: %w", spec, master.ErrNotISO)
		}
	} else {
		sess, err = burn.ReadSession(t, s.n)
	}
	if err != nil {
		t.Close()
		return nil, nil, err
	}
	return t, sess, nil
}

// noteTree says, on w, which tree of a session ls and extract read when
// it is not Rock Ridge (the tree of every session discstage writes):
// names and attributes then come from UDF, Joliet or plain ISO 9660.
func noteTree(w io.Writer, s *master.Session) {
	if s.Hierarchy != "" && s.Hierarchy != master.HierarchyRockRidge {
		fmt.Fprintf(w, "note: session at LBA %d read from its %s tree\n", s.Start, s.Hierarchy)
	}
}

// fsPath turns a user's path in a session ("/a/b", "a/b", "/") into an
// io/fs path.
func fsPath(p string) string {
	p = strings.Trim(path.Clean("/"+p), "/")
	if p == "" {
		return "."
	}
	return p
}

func init() {
	var (
		tf    targetFlags
		sf    sessionFlag
		short bool
	)
	cmd := &cobra.Command{
		Use:   "ls TARGET [PATH]",
		Short: "List a directory of a session",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, sess, err := sf.open(cmd.ErrOrStderr(), args[0], tf)
			if err != nil {
				return err
			}
			defer t.Close()
			noteTree(cmd.ErrOrStderr(), sess)
			p := "."
			if len(args) == 2 {
				p = fsPath(args[1])
			}
			return listPath(cmd.OutOrStdout(), sess.FS(), p, !short)
		},
	}
	tf.register(cmd)
	sf.register(cmd)
	cmd.Flags().BoolVarP(&short, "names", "1", false, "names only, one a line")
	rootCmd.AddCommand(cmd)
}

func listPath(w io.Writer, fsys fs.FS, p string, long bool) error {
	// A link named is shown as itself, as ls -l shows it; ls -1 lists
	// the folder a link names, as ls does.
	st, err := fs.Lstat(fsys, p)
	if err != nil {
		return err
	}
	if st.Mode()&fs.ModeSymlink != 0 && !long {
		if to, err := fs.Stat(fsys, p); err == nil && to.IsDir() {
			st = to
		}
	}
	var infos []fs.FileInfo
	if st.IsDir() {
		ents, err := fs.ReadDir(fsys, p)
		if err != nil {
			return err
		}
		for _, e := range ents {
			fi, err := e.Info()
			if err != nil {
				return err
			}
			infos = append(infos, fi)
		}
	} else {
		infos = []fs.FileInfo{st}
	}
	for _, fi := range infos {
		if !long {
			fmt.Fprintln(w, lsQuote(fi.Name()))
			continue
		}
		name := lsQuote(fi.Name())
		if fi.Mode()&fs.ModeSymlink != 0 {
			if rl, ok := fsys.(fs.ReadLinkFS); ok {
				full := path.Join(p, fi.Name())
				if !st.IsDir() {
					full = p
				}
				if target, err := rl.ReadLink(full); err == nil {
					name += " -> " + lsQuote(target)
				}
			}
		}
		fmt.Fprintf(w, "%s %12d %s %s\n", lsMode(fi.Mode()), fi.Size(), fi.ModTime().Local().Format("2006-01-02 15:04"), name)
	}
	return nil
}
