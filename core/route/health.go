package route

// Unstable is the planner's reading of OpenRouter's "significant outages in the last 30
// seconds" (§3.2), which it does not quantify: at least two failed attempts (rate limits
// included) in the window, and no more successes than failures. One failure is a blip; an
// endpoint that fails every request is avoided from its second failure on, for as long as
// the failures keep coming and 30 s after.
func Unstable(ok, failed int) bool { return failed >= 2 && failed >= ok }
