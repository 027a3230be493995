package memstore_test

import (
	"testing"

	"github.com/switchyard-router/switchyard/core/store"
	"github.com/switchyard-router/switchyard/core/store/memstore"
	"github.com/switchyard-router/switchyard/core/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Set { return memstore.New() })
}
