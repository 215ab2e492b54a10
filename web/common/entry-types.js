// Ledger entry types (docs/api.md) as people read them; an unknown new type shows its code.
export const ENTRY_TYPES = {
  "zh-CN": {
    earn: "消费获得", bonus: "奖励", checkin: "签到", activate: "待生效转可用", redeem: "兑换", expire: "过期",
    adjust: "人工调整", clawback: "退款扣回", reverse: "冲正", hold: "抵现冻结", release: "解冻",
    refund: "退款返还", transfer_out: "赠出", transfer_in: "获赠", donate: "捐赠", draw: "抽奖",
    behaviour: "行为奖励", exchange: "积分联盟",
  },
  en: {
    earn: "Earned", bonus: "Bonus", checkin: "Check-in", activate: "Activated", redeem: "Redeemed", expire: "Expired",
    adjust: "Adjustment", clawback: "Clawback", reverse: "Reversal", hold: "Held", release: "Released",
    refund: "Refunded", transfer_out: "Gift sent", transfer_in: "Gift received", donate: "Donation", draw: "Lottery",
    behaviour: "Activity", exchange: "Exchange",
  },
};

/** The page's texts with the entry types as `type.<code>` keys. */
export function withEntryTypes(texts) {
  const merged = {};
  for (const lang of Object.keys(texts)) {
    merged[lang] = { ...texts[lang] };
    for (const [code, name] of Object.entries(ENTRY_TYPES[lang] || {})) merged[lang][`type.${code}`] = name;
  }
  return merged;
}
