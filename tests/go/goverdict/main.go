// goverdict prints Go's verdict on certificate chains, the way dockerd and the docker CLI reach
// it: crypto/tls parses every presented certificate (x509.ParseCertificate), the trusted CAs go
// into a CertPool (unparseable ones skipped, as AppendCertsFromPEM does), then
// Certificate.Verify with KeyUsages serverAuth and the dialled host name (the CLI), or clientAuth
// and no name (dockerd with --tlsverify), and finally crypto/tls's check of the leaf's key type.
//
// Standard library only. Input on stdin, one case per line:
//
//	name <TAB> server|client <TAB> host or "-" <TAB> unix time <TAB> leaf <TAB> intermediates <TAB> roots
//
// where certificates are base64 DER and the two lists are comma-separated ("-" when empty).
// Output, one line per case: name <TAB> OK, or name <TAB> FAIL <TAB> Go's error.
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func decodeList(field string) ([][]byte, error) {
	if field == "-" || field == "" {
		return nil, nil
	}
	var out [][]byte
	for _, part := range strings.Split(field, ",") {
		der, err := base64.StdEncoding.DecodeString(part)
		if err != nil {
			return nil, err
		}
		out = append(out, der)
	}
	return out, nil
}

func verdict(fields []string) error {
	purpose, host := fields[1], fields[2]
	secs, err := strconv.ParseInt(fields[3], 10, 64)
	if err != nil {
		return fmt.Errorf("bad time: %v", err)
	}
	leafs, err := decodeList(fields[4])
	if err != nil || len(leafs) != 1 {
		return fmt.Errorf("bad leaf field")
	}
	inters, err := decodeList(fields[5])
	if err != nil {
		return err
	}
	roots, err := decodeList(fields[6])
	if err != nil {
		return err
	}
	// crypto/tls: every certificate the peer sends must parse.
	leaf, err := x509.ParseCertificate(leafs[0])
	if err != nil {
		return fmt.Errorf("parse leaf: %v", err)
	}
	intermediates := x509.NewCertPool()
	for _, der := range inters {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("parse intermediate: %v", err)
		}
		intermediates.AddCert(c)
	}
	pool := x509.NewCertPool()
	usable := 0
	for _, der := range roots {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		pool.AddCert(c)
		usable++
	}
	if usable == 0 {
		return fmt.Errorf("no usable root")
	}
	opts := x509.VerifyOptions{
		Roots:         pool,
		Intermediates: intermediates,
		CurrentTime:   time.Unix(secs, 0),
	}
	switch purpose {
	case "server":
		opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		if host != "-" {
			opts.DNSName = host
		}
	case "client":
		opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	default:
		return fmt.Errorf("bad purpose %q", purpose)
	}
	if _, err := leaf.Verify(opts); err != nil {
		return err
	}
	switch leaf.PublicKey.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return fmt.Errorf("tls: unsupported leaf key type %T", leaf.PublicKey)
	}
	return nil
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		line := in.Text()
		if line == "" {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 7 {
			fmt.Fprintf(out, "%s\tFAIL\tbad input line\n", fields[0])
			continue
		}
		if err := verdict(fields); err != nil {
			msg := strings.ReplaceAll(err.Error(), "\n", " ")
			fmt.Fprintf(out, "%s\tFAIL\t%s\n", fields[0], msg)
		} else {
			fmt.Fprintf(out, "%s\tOK\n", fields[0])
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "goverdict: %v\n", err)
		os.Exit(2)
	}
}
