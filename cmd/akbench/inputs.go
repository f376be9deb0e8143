package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

// Generated inputs: valid, distinct users without groups or passwords, so each row costs
// exactly one create request. They go into the run's temp dir and are deleted with it.

// writeCSV writes a CSV file of rows users, numbered from 1.
func writeCSV(path string, rows int) error {
	return writeRows(path, rows, func(w *bufio.Writer, i int) {
		n := strconv.Itoa(i)
		w.WriteString("bench.user" + n + ",Bench User " + n + ",bench.user" + n + "@example.com,true,users/bench," + department(i) + "\n")
	}, "username,name,email,is_active,path,attributes.department\n")
}

// writeJSONL writes a JSON Lines file of rows users, numbered from 1.
func writeJSONL(path string, rows int) error {
	return writeRows(path, rows, func(w *bufio.Writer, i int) {
		n := strconv.Itoa(i)
		line, _ := json.Marshal(map[string]any{ // a map of strings and a bool cannot fail
			"username":   "bench.user" + n,
			"name":       "Bench User " + n,
			"email":      "bench.user" + n + "@example.com",
			"is_active":  true,
			"path":       "users/bench",
			"attributes": map[string]any{"department": department(i), "employee_id": i},
		})
		w.Write(line)
		w.WriteByte('\n')
	}, "")
}

func department(i int) string {
	return [...]string{"Engineering", "Sales", "Finance", "Support"}[i%4]
}

// writeRows writes header then rows lines, through a buffer (bufio keeps the first error,
// which Flush returns).
func writeRows(path string, rows int, line func(*bufio.Writer, int), header string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("generate %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(header)
	for i := 1; i <= rows; i++ {
		line(w, i)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("generate %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("generate %s: %w", path, err)
	}
	return nil
}
