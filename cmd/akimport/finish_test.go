package main

import (
	"errors"
	"fmt"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/akimport/akimport/importer"
)

func TestFinish(t *testing.T) {
	rowsFailed := fmt.Errorf("3 rows: %w", importer.ErrRowsFailed)
	tests := []struct {
		name          string
		configErr     error
		runErr        error
		logRowsFailed bool
		wantCode      int
		wantRan       bool
		wantLogged    bool
	}{
		{"config error: usage, nothing runs", errors.New("bad flag"), nil, false, importer.ExitUsage, false, false},
		{"success", nil, nil, false, importer.ExitOK, true, false},
		{"rows failed: the summary tells", nil, rowsFailed, false, importer.ExitRowsFailed, true, false},
		{"rows failed, logged (undo)", nil, rowsFailed, true, importer.ExitRowsFailed, true, true},
		{"fatal: logged", nil, &importer.FatalError{Err: errors.New("403")}, false, importer.ExitFatal, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.InfoLevel)
			code, ran := -1, false
			run := func() error {
				ran = true
				return tt.runErr
			}
			err := finish(&code, zap.New(core), tt.configErr, run, tt.logRowsFailed)
			if !errors.Is(err, tt.configErr) || (tt.configErr == nil && err != nil) {
				t.Errorf("error %v, want %v", err, tt.configErr)
			}
			if code != tt.wantCode || ran != tt.wantRan || (logs.Len() > 0) != tt.wantLogged {
				t.Errorf("code %d, ran %v, logged %d lines; want %d, %v, logged %v", code, ran, logs.Len(), tt.wantCode, tt.wantRan, tt.wantLogged)
			}
		})
	}
}
