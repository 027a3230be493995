package bedrock_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/switchyard-router/switchyard/core/provider/adaptertest"
	"github.com/switchyard-router/switchyard/core/provider/bedrock"
)

// Bedrock is not in the catalog yet, so these adapter-level tests stand in for
// conformance vectors: request → Converse body, Converse response → completion, binary
// event stream → chunks. See shared/spec/providers.md §5.

func jsonEqual(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: invalid JSON %s", what, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		t.Errorf("%s\n got %s\nwant %s", what, gb, wb)
	}
}

func TestBuild(t *testing.T) {
	body := `{"model":"x","stream":true,"max_tokens":5000,"temperature":1.5,"top_k":10,"stop":"END","seed":1,
	"reasoning":{"effort":"low"},"tool_choice":"required",
	"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
	"messages":[
	 {"role":"system","content":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}]},
	 {"role":"user","name":"bob","content":[{"type":"text","text":"Look:"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}},{"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBER"}}]},
	 {"role":"assistant","content":null,"reasoning_details":[{"type":"reasoning.text","text":"Call it.","signature":"EqQB","format":"anthropic-claude-v1"},{"type":"reasoning.encrypted","data":"CiIB","format":"google-gemini-v1"}],
	  "tool_calls":[{"id":"tooluse_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
	 {"role":"tool","tool_call_id":"tooluse_1","content":"{\"temp\":18}"},
	 {"role":"user","content":"Thanks"}]}`
	up, err := provider.Build(&bedrock.Spec, &provider.Request{Body: []byte(body), Stream: true, Model: "anthropic.claude-x", MaxOutput: 64000})
	if err != nil {
		t.Fatal(err)
	}
	if up.Path != "/model/anthropic.claude-x/converse-stream" {
		t.Errorf("path %s", up.Path)
	}
	jsonEqual(t, "body", up.Body, `{
	 "system":[{"text":"Be brief."},{"cachePoint":{"type":"default"}}],
	 "messages":[
	  {"role":"user","content":[{"text":"bob: Look:"},{"image":{"format":"png","source":{"bytes":"iVBOR"}}},{"document":{"format":"pdf","name":"a-pdf","source":{"bytes":"JVBER"}}}]},
	  {"role":"assistant","content":[{"reasoningContent":{"reasoningText":{"text":"Call it.","signature":"EqQB"}}},{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather","input":{"city":"Paris"}}}]},
	  {"role":"user","content":[{"toolResult":{"toolUseId":"tooluse_1","content":[{"json":{"temp":18}}],"status":"success"}},{"text":"Thanks"}]}],
	 "toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Weather","inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}}}}}}],"toolChoice":{"any":{}}},
	 "inferenceConfig":{"stopSequences":["END"],"maxTokens":5000,"temperature":1},
	 "additionalModelRequestFields":{"thinking":{"type":"enabled","budget_tokens":1024}}}`)
	want := []string{"seed", "temperature", "top_k"}
	got := append([]string(nil), up.Dropped...)
	if strings.Join(sorted(got), ",") != strings.Join(want, ",") {
		t.Errorf("dropped %v, want %v", up.Dropped, want)
	}
}

func sorted(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func TestBuildRejectsURLImages(t *testing.T) {
	_, err := provider.Build(&bedrock.Spec, &provider.Request{Body: []byte(`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/cat.png"}}]}]}`), Model: "m"})
	var be *provider.BuildError
	if !errors.As(err, &be) {
		t.Fatalf("err %v, want a BuildError", err)
	}
}

func TestDecode(t *testing.T) {
	raw := `{"output":{"message":{"role":"assistant","content":[
	  {"reasoningContent":{"reasoningText":{"text":"Need weather.","signature":"EqQB"}}},
	  {"text":"Checking."},
	  {"toolUse":{"toolUseId":"tooluse_1","name":"get_weather","input":{"city":"Paris"}}}]}},
	 "stopReason":"tool_use","usage":{"inputTokens":100,"outputTokens":20,"totalTokens":120,"cacheReadInputTokens":30,"cacheWriteInputTokens":5},"metrics":{"latencyMs":850}}`
	out, u, err := bedrock.Spec.Decode(nil, []byte(raw), adaptertest.Options(&bedrock.Spec))
	if err != nil {
		t.Fatal(err)
	}
	if u.Prompt != 135 || u.Cached != 30 || u.CacheWrite != 5 || u.Completion != 20 {
		t.Errorf("usage %+v", u)
	}
	jsonEqual(t, "completion", out, `{"id":"gen-1760000000-Abc","provider":"Test","model":"test/model","object":"chat.completion","created":1760000000,
	 "choices":[{"index":0,"message":{"role":"assistant","content":"Checking.","refusal":null,"reasoning":"Need weather.",
	  "reasoning_details":[{"type":"reasoning.text","text":"Need weather.","signature":"EqQB","format":"anthropic-claude-v1","index":0}],
	  "tool_calls":[{"id":"tooluse_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
	  "logprobs":null,"finish_reason":"tool_calls","native_finish_reason":"tool_use"}],
	 "usage":{"prompt_tokens":135,"completion_tokens":20,"total_tokens":155,"prompt_tokens_details":{"cached_tokens":30,"cache_write_tokens":5},"completion_tokens_details":{"reasoning_tokens":0}}}`)
}

// frame encodes one event-stream message the way Bedrock sends it, CRCs included.
func frame(t testing.TB, event, payload string) []byte {
	var h eventstream.Headers
	h.Set(":message-type", eventstream.StringValue("event"))
	h.Set(":event-type", eventstream.StringValue(event))
	h.Set(":content-type", eventstream.StringValue("application/json"))
	var b bytes.Buffer
	if err := eventstream.NewEncoder().Encode(&b, eventstream.Message{Headers: h, Payload: []byte(payload)}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func exception(t testing.TB, typ, payload string) []byte {
	var h eventstream.Headers
	h.Set(":message-type", eventstream.StringValue("exception"))
	h.Set(":exception-type", eventstream.StringValue(typ))
	var b bytes.Buffer
	if err := eventstream.NewEncoder().Encode(&b, eventstream.Message{Headers: h, Payload: []byte(payload)}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// converseStream is §5.4's example, with a random "p" padding field as Bedrock sends.
func converseStream(t testing.TB) []byte {
	var b []byte
	for _, e := range [][2]string{
		{"messageStart", `{"role":"assistant","p":"abcd"}`},
		{"contentBlockDelta", `{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"Need weather."}}}`},
		{"contentBlockDelta", `{"contentBlockIndex":0,"delta":{"reasoningContent":{"signature":"EqQB"}}}`},
		{"contentBlockStop", `{"contentBlockIndex":0}`},
		{"contentBlockDelta", `{"contentBlockIndex":1,"delta":{"text":"Chéck"}}`},
		{"contentBlockDelta", `{"contentBlockIndex":1,"delta":{"text":"ing."}}`},
		{"contentBlockStop", `{"contentBlockIndex":1}`},
		{"contentBlockStart", `{"contentBlockIndex":2,"start":{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather"}}}`},
		{"contentBlockDelta", `{"contentBlockIndex":2,"delta":{"toolUse":{"input":"{\"city\":"}}}`},
		{"contentBlockDelta", `{"contentBlockIndex":2,"delta":{"toolUse":{"input":"\"Paris\"}"}}}`},
		{"contentBlockStop", `{"contentBlockIndex":2}`},
		{"messageStop", `{"stopReason":"tool_use"}`},
		{"metadata", `{"usage":{"inputTokens":100,"outputTokens":30,"totalTokens":130},"metrics":{"latencyMs":900}}`},
	} {
		b = append(b, frame(t, e[0], e[1])...)
	}
	return b
}

// translate runs a binary stream through the framer and translator, step bytes a read.
func translate(t *testing.T, in []byte, step int) ([]string, provider.StreamState, []byte, error) {
	t.Helper()
	tr := bedrock.Spec.NewStream(adaptertest.Options(&bedrock.Spec))
	fr := bedrock.Spec.Framer()
	var out []byte
	var err error
	for i := 0; i < len(in) && err == nil; i += step {
		if err = fr.Feed(in[i:min(i+step, len(in))]); err != nil {
			break
		}
		for ev, ok := fr.Next(); ok && err == nil; ev, ok = fr.Next() {
			out, err = tr.Event(out, ev)
		}
	}
	adaptertest.Frames(t, out)
	var deltas []string
	for _, f := range strings.Split(strings.TrimSpace(string(out)), "\n\n") {
		if f == "" {
			continue
		}
		var c struct {
			Choices []struct {
				Delta  json.RawMessage `json:"delta"`
				Finish *string         `json:"finish_reason"`
			} `json:"choices"`
		}
		json.Unmarshal([]byte(strings.TrimPrefix(f, "data: ")), &c)
		d := string(c.Choices[0].Delta)
		if c.Choices[0].Finish != nil {
			d += " finish=" + *c.Choices[0].Finish
		}
		deltas = append(deltas, d)
	}
	return deltas, tr.State(), tr.Usage(), err
}

func TestStream(t *testing.T) {
	in := converseStream(t)
	want := []string{
		`{"role":"assistant","content":""}`,
		`{"reasoning":"Need weather.","reasoning_details":[{"type":"reasoning.text","text":"Need weather.","format":"anthropic-claude-v1","index":0}]}`,
		`{"reasoning_details":[{"type":"reasoning.text","text":"","signature":"EqQB","format":"anthropic-claude-v1","index":0}]}`,
		`{"content":"Chéck"}`,
		`{"content":"ing."}`,
		`{"tool_calls":[{"index":0,"id":"tooluse_1","type":"function","function":{"name":"get_weather","arguments":""}}]}`,
		`{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}`,
		`{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}`,
		`{} finish=tool_calls`,
	}
	for _, step := range []int{1, 7, len(in)} {
		got, st, usage, err := translate(t, in, step)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("step %d:\n got %s\nwant %s", step, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if !st.Done || !st.Finished || !strings.Contains(string(usage), `"prompt_tokens":100,"completion_tokens":30`) {
			t.Errorf("step %d: state %+v usage %s", step, st, usage)
		}
	}
}

func TestStreamException(t *testing.T) {
	in := append(frame(t, "messageStart", `{"role":"assistant"}`), exception(t, "throttlingException", `{"message":"Too many tokens"}`)...)
	_, _, _, err := translate(t, in, 5)
	var f *provider.Failure
	if !errors.As(err, &f) || f.Status != 429 || f.Message != "Too many tokens" {
		t.Fatalf("err %v, want a 429 Failure with the message", err)
	}
}

func TestStreamBadCRC(t *testing.T) {
	in := frame(t, "contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"x"}}`)
	in[len(in)-1] ^= 0xff
	fr := bedrock.Spec.Framer()
	fr.Feed(in)
	if _, ok := fr.Next(); ok {
		t.Fatal("a message with a bad CRC was accepted")
	}
}

func TestSign(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "AWS_REGION": "us-east-1", "AWS_SESSION_TOKEN": "session"}
	body := []byte(`{"messages":[]}`)
	now := time.Date(2025, 10, 9, 12, 0, 0, 0, time.UTC)
	sign := func() *http.Request {
		req, _ := http.NewRequest(http.MethodPost, "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if err := bedrock.Spec.Sign(req, body, func(k string) string { return env[k] }, now); err != nil {
			t.Fatal(err)
		}
		return req
	}
	a, b := sign(), sign()
	auth := a.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20251009/us-east-1/bedrock/aws4_request") || auth != b.Header.Get("Authorization") {
		t.Errorf("Authorization %q (second signing %q)", auth, b.Header.Get("Authorization"))
	}
	if a.Header.Get("X-Amz-Date") != "20251009T120000Z" || a.Header.Get("X-Amz-Security-Token") != "session" {
		t.Errorf("headers %v", a.Header)
	}
	env = map[string]string{"AWS_BEARER_TOKEN_BEDROCK": "bedrock-api-key"}
	if got := sign().Header.Get("Authorization"); got != "Bearer bedrock-api-key" {
		t.Errorf("API key auth %q", got)
	}
	env = map[string]string{}
	req, _ := http.NewRequest(http.MethodPost, "https://x/model/m/converse", nil)
	if err := bedrock.Spec.Sign(req, nil, func(k string) string { return env[k] }, now); err == nil {
		t.Error("no credentials, no error")
	}
}

func TestClassify(t *testing.T) {
	h := http.Header{"X-Amzn-Errortype": {"ServiceQuotaExceededException:http://internal.amazon.com/coral/com.amazon.bedrock/"}}
	f := bedrock.Spec.Classify(400, h, []byte(`{"message":"quota"}`))
	if f.Code != "ServiceQuotaExceededException" || f.Message != "quota" || !f.Decided || !f.Next {
		t.Errorf("classify %+v", f)
	}
}

func FuzzStream(f *testing.F) {
	f.Add(converseStream(f), uint8(7))
	f.Add(exception(f, "modelStreamErrorException", `{"message":"x"}`), uint8(3))
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		adaptertest.Stream(t, &bedrock.Spec, in, int(step%32)+1)
	})
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"output":{"message":{"role":"assistant","content":[{"text":"hi"},{"toolUse":{"toolUseId":"t","name":"n","input":{}}}]}},"stopReason":"end_turn","usage":{"inputTokens":1,"outputTokens":1}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		adaptertest.Decode(t, &bedrock.Spec, raw)
	})
}
