package mapping

import (
	"io"
	"sync"
)

// asyncRows runs a rowSource on its own goroutine, batches of rows ahead of the caller, so
// reading and validating use a second core; close must be called to stop it.
type asyncRows struct {
	batches chan rowBatch
	done    chan struct{}
	ended   chan struct{} // closed when the goroutine has returned
	stop    sync.Once

	batch []Row
	pos   int
	err   error // the error that ended the stream, returned once the batches are used up
}

// rowBatch is a run of rows in file order; err, when set, ends the stream after the rows.
type rowBatch struct {
	rows []Row
	err  error
}

// asyncBatchRows is the size of a batch handed over; asyncBatchesAhead how many may wait.
const (
	asyncBatchRows    = 256
	asyncBatchesAhead = 4
)

func newAsyncRows(src rowSource) *asyncRows {
	a := &asyncRows{batches: make(chan rowBatch, asyncBatchesAhead), done: make(chan struct{}), ended: make(chan struct{})}
	go a.run(src)
	return a
}

// run reads src until it ends or close is called.
func (a *asyncRows) run(src rowSource) {
	defer close(a.ended)
	defer close(a.batches)
	defer src.close()
	for {
		rows := make([]Row, 0, asyncBatchRows)
		var err error
		for len(rows) < asyncBatchRows {
			var row Row
			if row, err = src.next(); err != nil {
				break
			}
			rows = append(rows, row)
		}
		select {
		case a.batches <- rowBatch{rows: rows, err: err}:
		case <-a.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (a *asyncRows) next() (Row, error) {
	for a.pos >= len(a.batch) {
		if a.err != nil {
			return Row{}, a.err
		}
		b, ok := <-a.batches
		if !ok {
			a.err = io.EOF // closed
			continue
		}
		a.batch, a.pos, a.err = b.rows, 0, b.err
	}
	row := a.batch[a.pos]
	a.batch[a.pos] = Row{} // let the row go once the caller is done with it
	a.pos++
	return row, nil
}

// close stops the goroutine (after the read in progress) and makes next return io.EOF.
func (a *asyncRows) close() error {
	a.stop.Do(func() { close(a.done) })
	a.batch, a.pos, a.err = nil, 0, io.EOF
	return nil
}
