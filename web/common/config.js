// Where a hosted copy of the pages finds the HTTP API (its ApiUrl output). Empty locally: the
// dev server proxies ../api on the pages' own origin. Deployments overwrite this one file.
window.LOYALTY_API = window.LOYALTY_API || "";
