import { serve } from "inngest/next";
import { inngest } from "~/inngest/client";
import { functions } from "~/inngest";
import { traceSdkRequests } from "~/server/operations/tracing";

const handlers = serve({ client: inngest, functions });
export const { GET, PUT } = handlers;
// Each executor request is a span (when tracing is on); its cycles and model calls nest under it.
export const POST = traceSdkRequests(handlers.POST);
