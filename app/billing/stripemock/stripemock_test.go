package stripemock_test

import (
	"net/http"
	"testing"

	"github.com/footfallhq/footfall/app/billing/stripemock"
)

func TestStart(t *testing.T) {
	u := stripemock.Start(t)
	req, _ := http.NewRequest("GET", u+"/v1/customers/cus_123", nil)
	req.SetBasicAuth("sk_test_123", "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET customer = %d", res.StatusCode)
	}
}
