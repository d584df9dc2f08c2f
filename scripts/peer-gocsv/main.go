// Command peer-gocsv is the Go standard library baseline of
// scripts/bench-peers.sh: it reads a JTL CSV file with encoding/csv and
// prints the sample count and mean elapsed time per label, the least work a
// per-label report needs. It is a yardstick for jmtune stats, not a tool.
//
//	go run ./scripts/peer-gocsv results.jtl
package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
)

type acc struct {
	n   int64
	sum int64
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: peer-gocsv FILE.csv")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "peer-gocsv:", err)
		os.Exit(1)
	}
}

func run(path string, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	hdr, err := r.Read()
	if err != nil {
		return err
	}
	elapsedCol, labelCol := -1, -1
	for i, h := range hdr {
		switch h {
		case "elapsed":
			elapsedCol = i
		case "label":
			labelCol = i
		}
	}
	if elapsedCol < 0 || labelCol < 0 {
		return fmt.Errorf("%s: header has no elapsed or label column", path)
	}
	accs := map[string]*acc{}
	var order []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if len(rec) <= max(elapsedCol, labelCol) {
			continue
		}
		e, err := strconv.ParseInt(rec[elapsedCol], 10, 64)
		if err != nil {
			continue
		}
		a := accs[rec[labelCol]]
		if a == nil {
			a = &acc{}
			accs[rec[labelCol]] = a
			order = append(order, rec[labelCol])
		}
		a.n++
		a.sum += e
	}
	for _, l := range order {
		a := accs[l]
		fmt.Fprintf(w, "%s\t%d\t%.1f\n", l, a.n, float64(a.sum)/float64(a.n))
	}
	return nil
}
