"use client";

import { useState } from "react";
import { Button } from "../ui/button";
import { useNotificationSetting } from "./browser-notifications";

/** "Turn on browser notifications": asks the browser only when clicked; shows how to turn them off again. */
export function BrowserNotificationsToggle() {
  const setting = useNotificationSetting();
  const [isAsking, setIsAsking] = useState(false);
  if (!setting.isSupported) return null;
  if (setting.isOn) {
    return (
      <p className="flex flex-wrap items-center gap-2 text-xs text-zinc-500 dark:text-zinc-400" data-testid="browser-notifications">
        Browser notifications are on for new approvals.
        <Button type="button" variant="ghost" className="px-2 py-1 text-xs" onClick={setting.turnOff}>
          Turn off
        </Button>
      </p>
    );
  }
  if (setting.permission === "denied") {
    return (
      <p className="text-xs text-zinc-500 dark:text-zinc-400" data-testid="browser-notifications">
        Notifications are blocked for this site in your browser&apos;s settings.
      </p>
    );
  }
  return (
    <Button
      type="button"
      variant="outline"
      className="px-2.5 py-1.5 text-xs"
      isLoading={isAsking}
      data-testid="browser-notifications"
      onClick={async () => {
        setIsAsking(true);
        try {
          await setting.turnOn();
        } finally {
          setIsAsking(false);
        }
      }}
    >
      Turn on browser notifications
    </Button>
  );
}
