package expr_test

import (
	"fmt"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/expr"
)

func ExampleCompile() {
	logs := event.MustSchema("acme", "logs",
		event.Field{Name: "host", Kind: event.String},
		event.Field{Name: "status", Kind: event.Int},
	)
	p, err := expr.Compile(`status >= 500 and host == "cdn"`, logs, event.Bool)
	if err != nil {
		panic(err)
	}
	e := event.Event{Fields: []event.Value{event.StringValue("cdn"), event.IntValue(503)}}
	fmt.Println(p.Kind(), p.Native(), p.Bool(&e))

	_, err = expr.Compile(`stauts >= 500`, logs, event.Bool)
	fmt.Println(err)
	_, err = expr.Compile(`status == "cdn"`, logs, event.Bool)
	fmt.Printf("column %d: %v\n", err.(*expr.Error).Col, err)
	// Output:
	// bool true true
	// unknown field "stauts" (did you mean "status"?)
	// column 8: cannot compare int field "status" with string "cdn"
}
