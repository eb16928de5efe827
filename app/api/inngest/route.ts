import { serve } from "inngest/next";
import { serveOptions } from "~/inngest/serve-options";
import { traceSdkRequests } from "~/server/operations/tracing";

const handlers = serve(serveOptions);
export const { GET, PUT } = handlers;
// Each executor request is a span (when tracing is on); its cycles and model calls nest under it.
export const POST = traceSdkRequests(handlers.POST);
